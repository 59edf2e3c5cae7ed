"""What every web app of ours shares: the uvicorn server runner with our access log
(paths only, access_log.py), security headers, HSTS and the content security
policies, rate limiting and request checks, and serving the built site's files.

May import: core. Never an app (endpoint, staff), never submissions.
"""
