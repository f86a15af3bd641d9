# The device crate's messages: talking to an iPhone or iPad, and to usbmuxd.
