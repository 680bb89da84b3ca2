# The manual pages of the daemons and antrea-cni (antctl's, antctl.1, comes
# with core/antctl/automake.mk), and the test that they render without a
# groff warning and name every option of the programs' --help.
dist_man8_MANS = \
	docs/man/antrea-agent.8 \
	docs/man/antrea-controller.8 \
	docs/man/antrea-cni.8
TESTS += tests/man/test-man-pages.py
EXTRA_DIST += tests/man/test-man-pages.py
