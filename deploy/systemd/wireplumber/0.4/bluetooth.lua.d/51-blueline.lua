-- WirePlumber 0.4 (Debian bookworm, Raspberry Pi OS bookworm) for the blueline user.
-- Headless: no logind seat, so do not wait for an active session.
bluez_monitor.properties["with-logind"] = false
-- The Pi only sends audio to speakers.
bluez_monitor.properties["bluez5.roles"] = "[ a2dp_source ]"
-- Keep Bluetooth sinks open: suspending clips the first second and lets speakers sleep.
table.insert(bluez_monitor.rules, {
  matches = { { { "node.name", "matches", "bluez_output.*" } } },
  apply_properties = { ["session.suspend-timeout-seconds"] = 0 },
})
