-- Lab transmitter: no device reservation (no session bus portal) for the aloop "USB card".
alsa_monitor.properties["alsa.reserve"] = false
device_defaults.properties["default-volume"] = 1.0
