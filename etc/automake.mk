# Shipped configuration: one agent YAML per encap mode and the controller's.
antreaconf_DATA = \
	etc/antrea-agent-encap.conf \
	etc/antrea-agent-noencap.conf \
	etc/antrea-agent-hybrid.conf \
	etc/antrea-agent-policyonly.conf \
	etc/antrea-controller.conf
EXTRA_DIST += $(antreaconf_DATA)
