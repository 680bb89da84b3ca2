# Test data for the config tests (owned by the config tests' author).
EXTRA_DIST += \
	tests/unit/data/agent-antrea-v0.8.conf \
	tests/unit/data/agent-comments-only.conf \
	tests/unit/data/agent-errors.conf \
	tests/unit/data/agent-full.conf \
	tests/unit/data/agent-modules.conf \
	tests/unit/data/agent-syntax-error.conf \
	tests/unit/data/controller-full.conf
