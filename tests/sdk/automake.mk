# The SDK test: install into a DESTDIR, build sdk/example out of tree
# against it through pkg-config, and load the result with --check-config.
TESTS += tests/sdk/test-sdk-example.sh
EXTRA_DIST += tests/sdk/test-sdk-example.sh
