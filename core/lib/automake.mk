# The shared building blocks of the four programs, one file per concern.
noinst_LTLIBRARIES += core/lib/libantrea-core.la
core_lib_libantrea_core_la_SOURCES = \
	core/lib/agent-config.c core/lib/agent-config.h \
	core/lib/config-schema.c core/lib/config-schema.h \
	core/lib/controller-config.c core/lib/controller-config.h \
	core/lib/diag.c core/lib/diag.h \
	core/lib/event-loop.c core/lib/event-loop.h \
	core/lib/host-api.c core/lib/host-api.h \
	core/lib/log.c core/lib/log.h \
	core/lib/metrics.c core/lib/metrics.h \
	core/lib/module-set.c core/lib/module-set.h \
	core/lib/plugin-loader.c core/lib/plugin-loader.h \
	core/lib/util.c core/lib/util.h \
	core/lib/yaml-tree.c core/lib/yaml-tree.h
core_lib_libantrea_core_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
core_lib_libantrea_core_la_LIBADD = $(YAML_LIBS) $(LTDL_LIBS)

# What a program links to use the core library.
CORE_LIBS = core/lib/libantrea-core.la

# libmicrohttpd on the event loop (http-daemon.h), a library of its own so
# that only the programs with an HTTP server link libmicrohttpd: they link
# $(HTTP_DAEMON_LIBS) before $(CORE_LIBS) and add $(MHD_CFLAGS).
noinst_LTLIBRARIES += core/lib/libantrea-http.la
core_lib_libantrea_http_la_SOURCES = \
	core/lib/http-daemon.c core/lib/http-daemon.h
core_lib_libantrea_http_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
core_lib_libantrea_http_la_LIBADD = $(MHD_LIBS)
HTTP_DAEMON_LIBS = core/lib/libantrea-http.la

# Delegated authentication and authorisation of HTTPS API requests
# (api-auth: TokenReview and SubjectAccessReview through the Kubernetes
# client), their TLS (api-tls: self-signed or file certificates, GnuTLS
# priorities), the life of a request they check (http-auth-request), and
# the agent's HTTPS /metrics server built on them and on http-daemon
# (metrics-server).  Shared by the controller's API server and
# the agent; programs link $(API_AUTH_LIBS) before $(HTTP_DAEMON_LIBS),
# $(K8S_LIBS) and $(CORE_LIBS).
noinst_LTLIBRARIES += core/lib/libantrea-api-auth.la
core_lib_libantrea_api_auth_la_SOURCES = \
	core/lib/api-auth.c core/lib/api-auth.h \
	core/lib/api-tls.c core/lib/api-tls.h \
	core/lib/http-auth-request.c core/lib/http-auth-request.h \
	core/lib/metrics-server.c core/lib/metrics-server.h
core_lib_libantrea_api_auth_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS)
core_lib_libantrea_api_auth_la_LIBADD = $(HTTP_DAEMON_LIBS) $(MHD_LIBS) \
	$(GNUTLS_LIBS) $(JANSSON_LIBS)
API_AUTH_LIBS = core/lib/libantrea-api-auth.la
