// Hub and sharing queries pick devices by how many actors use them.
CREATE INDEX device_actors IF NOT EXISTS
FOR (d:Device) ON (d.actors)
