"""Files for people to take away: CSV, PDF and DOCX. Each module turns plain report data into bytes."""
