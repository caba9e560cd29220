// ESM hooks for the smoke check (verifier/package/smoke.py): a stand-in for the AWS SDK
// modules the Lambda Node.js runtime provides, exporting the names the importer asks for.
import { readFileSync } from "node:fs";
const PROVIDED = /^(@aws-sdk\/|@smithy\/)/;
const STUB = "const s = new Proxy(function () {}, { get: (t, p) => (p === 'then' ? undefined : s), apply: () => s, construct: () => s });";
function named(parentURL, specifier) {
  if (!parentURL || !parentURL.startsWith("file:")) return [];
  const source = readFileSync(new URL(parentURL), "utf8");
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`import\\s*(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}\\s*from\\s*['"]${quoted}['"]`, "g");
  const names = new Set();
  for (const match of source.matchAll(pattern)) {
    for (const part of match[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/)[0].trim();
      if (/^[\w$]+$/.test(name)) names.add(name);
    }
  }
  return [...names];
}
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (PROVIDED.test(specifier) && error.code === "ERR_MODULE_NOT_FOUND") {
      const names = named(context.parentURL, specifier).filter((n) => n !== "default");
      return { url: `signed-lambda-provided:${specifier}?${names.join(",")}`, shortCircuit: true };
    }
    throw error;
  }
}
export async function load(url, context, next) {
  if (url.startsWith("signed-lambda-provided:")) {
    const names = url.split("?")[1].split(",").filter(Boolean);
    const source = `${STUB} export default s; ${names.map((n) => `export const ${n} = s;`).join(" ")}`;
    return { format: "module", source, shortCircuit: true };
  }
  return next(url, context);
}
