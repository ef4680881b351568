"""gunicorn settings for production: `gunicorn directory.wsgi` reads this file.

The access log uses %(U)s (the path without its query string): a search URL can
carry a patient's postcode and must never reach a log file.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycling a worker is a guard against leaks, not routine: each restart costs its first
# requests (templates, URL patterns and the taxonomies are read afresh), and at 5,000 it
# set the benchmark's slowest 1% of requests. Preloading makes the fork itself quick.
max_requests = 100_000
max_requests_jitter = 10_000
preload_app = True
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# X-Forwarded-Proto and -For come from the TLS-terminating proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
