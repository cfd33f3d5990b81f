"""Documents an auditor hands on: audit and statistics reports as Markdown, HTML and Excel."""
