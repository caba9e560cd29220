// The smoke check's Node side (verifier/package/smoke.py): import the handler file, report
// as one JSON line whether it and its function exist, or which module is missing.
const Module = require("node:module");
const { pathToFileURL } = require("node:url");
const [file, functionName, hooks] = process.argv.slice(2);
const PROVIDED = /^(@aws-sdk\/|@smithy\/)/;
const stub = new Proxy(function () {}, {
  get: (target, property) => (property === "then" ? undefined : stub),
  apply: () => stub,
  construct: () => stub,
});
const load = Module._load;
Module._load = function (request, ...rest) {
  try {
    return load.call(this, request, ...rest);
  } catch (error) {
    if (PROVIDED.test(request) && error.code === "MODULE_NOT_FOUND") return stub;
    throw error;
  }
};
// Node >= 20.6; older Node checks CommonJS handlers only.
if (Module.register) Module.register(hooks);
const report = (value) => process.stdout.write(JSON.stringify(value) + "\n");
import(pathToFileURL(file).href).then(
  (module) => {
    const handler = module[functionName] ?? (module.default && module.default[functionName]);
    report({ handler: typeof handler === "function" });
  },
  (error) => {
    if (error && (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND")) {
      const name = /(?:Cannot find (?:module|package) )'([^']+)'/.exec(error.message);
      report({ missing: name ? name[1] : error.message, message: String(error.message).split("\n")[0] });
    } else {
      report({ raised: `${error && error.name}: ${error && String(error.message).split("\n")[0]}` });
    }
  },
);
