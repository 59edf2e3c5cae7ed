"""Reading uploaded files (issue 36): the multipart/form-data body read in chunks with its
limits counted while reading (multipart.py), the checks on a file's content, never its name
(checks.py: the type from the bytes with libmagic, PDFs read by pikepdf, images re-encoded
by Pillow without their metadata), and the virus scan by ClamAV's daemon over its own
INSTREAM protocol (clamav.py). The endpoint calls these; the files are stored sealed by
generator/submissions/files.py.

May import: core, forms, submissions. Never an app (endpoint, staff).
"""
