"""The read side: queries that return plain data for screens, lists, tables and exports."""
