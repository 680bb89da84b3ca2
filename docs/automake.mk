dist_doc_DATA = \
	docs/antctl.md \
	docs/architecture.md \
	docs/build.md \
	docs/deploy.md \
	docs/monitoring.md \
	docs/metrics.md \
	docs/configuration.md \
	docs/plugin-authoring.md \
	docs/plugins.md \
	docs/ovs-pipeline.md \
	docs/sandbox.md \
	docs/status-page.md \
	docs/troubleshooting.md \
	docs/wire-formats.md
