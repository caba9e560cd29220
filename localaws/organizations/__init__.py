"""Organizations: ListAccounts pages and answers as AWS does."""
