"""Storage in the process's memory: tables, repositories and a unit of work, no database.

The data lives as long as the process: a restart empties it, and every worker
process has its own.  Run one worker (``WORKERS=1``) for one consistent set of data.
"""
