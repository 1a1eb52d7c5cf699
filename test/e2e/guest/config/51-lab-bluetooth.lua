-- Lab transmitter: root without logind; the Pi is an A2DP source only.
bluez_monitor.properties["with-logind"] = false
bluez_monitor.properties["bluez5.roles"] = "[ a2dp_source ]"
