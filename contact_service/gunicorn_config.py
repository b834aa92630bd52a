"""gunicorn settings for the web process (`gunicorn -c python:contact_service.gunicorn_config ...`; the
repository's gunicorn.conf.py reads them too).

The access log names the path only, never the query string or the referrer: a URL's query may carry data
(our webhooks' `?attempt=<id>` does not matter, but nothing else should ride there and be written down).
"""

accesslog = "-"
# remote address, time, "METHOD /path PROTOCOL", status, bytes sent, milliseconds
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket (gunicornc) is not used; every server on a machine would share its one path.
control_socket_disable = True
