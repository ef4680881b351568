"""gunicorn settings for production: `gunicorn directory.wsgi` reads this file.

No log line may hold what a clinician typed or who they are: the logger class
(directory/gunicorn_logging.py) writes each request's path without its query string and
without the client's address, escapes control characters, and cleans the error log
(a timed-out request's URL, "Invalid request from ip=...") the same way.
"""

import os

# Loopback unless told: the TLS-terminating proxy runs on the same host. Behind a load
# balancer on another host, set BIND (and FORWARDED_ALLOW_IPS to the balancer's address).
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Seconds a request may take before its worker is killed (and the client gets a 502).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycling a worker is a guard against leaks, not routine: each restart costs its first
# requests (templates, URL patterns and the taxonomies are read afresh), and at 5,000 it
# set the benchmark's slowest 1% of requests. Preloading makes the fork itself quick.
max_requests = 100_000
max_requests_jitter = 10_000
preload_app = True
logger_class = "directory.gunicorn_logging.Logger"
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# X-Forwarded-Proto (and, for rate limits, X-Forwarded-For: see settings.py) are believed
# only from these addresses: the proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
