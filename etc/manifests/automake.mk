# The Kubernetes manifests (docs/deploy.md): one per variant, generated at
# build time from etc/manifests/parts/ and the shipped files of etc/ by
# gen-manifests.py, for the image $(ANTREA_IMAGE):
#     make manifests ANTREA_IMAGE=REGISTRY/antrea-c:TAG
# (make -B manifests ... after changing only the image).  Installed in
# $(datadir)/antrea/manifests.
ANTREA_IMAGE = antrea-c:$(PACKAGE_VERSION)
MANIFEST_GENERATOR = etc/manifests/gen-manifests.py
MANIFEST_PARTS = \
	etc/manifests/parts/crds.yml \
	etc/manifests/parts/rbac.yml \
	etc/manifests/parts/ipsec.yml \
	etc/manifests/parts/controller.yml \
	etc/manifests/parts/agent.yml
manifestsdir = $(datadir)/antrea/manifests
manifests_DATA = \
	etc/manifests/antrea-encap.yml \
	etc/manifests/antrea-noencap.yml \
	etc/manifests/antrea-hybrid.yml \
	etc/manifests/antrea-policyonly.yml \
	etc/manifests/antrea-ipsec.yml
# The shipped files the ConfigMap carries.
MANIFEST_INPUTS = \
	etc/antrea-agent-encap.conf \
	etc/antrea-agent-noencap.conf \
	etc/antrea-agent-hybrid.conf \
	etc/antrea-agent-policyonly.conf \
	etc/antrea-controller.conf \
	etc/10-antrea.conflist
$(manifests_DATA): $(MANIFEST_GENERATOR) $(MANIFEST_PARTS) $(MANIFEST_INPUTS)
	$(AM_V_GEN)$(MKDIR_P) etc/manifests && \
	variant=`basename $@ .yml | sed 's/^antrea-//'` && \
	python3 $(srcdir)/$(MANIFEST_GENERATOR) --srcdir $(srcdir) \
		--image '$(ANTREA_IMAGE)' --variant $$variant --output $@
manifests: $(manifests_DATA)
.PHONY: manifests
CLEANFILES += $(manifests_DATA)
EXTRA_DIST += $(MANIFEST_GENERATOR) $(MANIFEST_PARTS)

# The container image file and the scripts its containers run
# (build/images/; it is not built here: no container engine).
EXTRA_DIST += \
	build/images/Dockerfile \
	build/images/Dockerfile.dockerignore \
	build/images/scripts/install-cni \
	build/images/scripts/runtime-packages \
	build/images/scripts/start-ovs \
	build/images/scripts/start-ovs-ipsec

# Every manifest through `kubectl apply --dry-run=server` on a real
# kube-apiserver in a namespace "amft-<pid>" (skipped unless root with the
# kube binaries and etcd), and the image file and its scripts (no root).
TESTS += \
	tests/manifests/test-manifests.py \
	tests/manifests/test-image-file.py
EXTRA_DIST += \
	tests/manifests/test-manifests.py \
	tests/manifests/test-image-file.py
