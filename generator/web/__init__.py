"""What every web app of ours shares: the uvicorn server runner, security headers
and the content security policy, rate limiting and request checks, and serving
the built site's files.

May import: core. Never an app (endpoint, staff), never submissions.
"""
