"""Security Hub: BatchImportFindings, GetFindings and BatchUpdateFindings as AWS documents them."""
