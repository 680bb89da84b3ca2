EXTRA_DIST += build-aux/ovs-build.sh
