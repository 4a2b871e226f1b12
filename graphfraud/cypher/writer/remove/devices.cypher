// Devices that left devices.csv: forget their attributes; the node stays while links
// use it (links create devices from their id).
// $rows: list of {device_id}
UNWIND $rows AS row
MATCH (d:Device {device_id: row.device_id})
REMOVE d.model, d.os
