# Shipped configuration: one agent YAML per encap mode, the controller's,
# and the CNI network configuration list the container runtime reads
# (antrea-cni chained with portmap and bandwidth; copy it to /etc/cni/net.d and
# antrea-cni to /opt/cni/bin/antrea).
antreaconf_DATA = \
	etc/antrea-agent-encap.conf \
	etc/antrea-agent-noencap.conf \
	etc/antrea-agent-hybrid.conf \
	etc/antrea-agent-policyonly.conf \
	etc/antrea-controller.conf \
	etc/10-antrea.conflist
EXTRA_DIST += $(antreaconf_DATA)
