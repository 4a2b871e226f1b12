// One page of devices with what the report says of a hub (model, OS): the next $chunk
// Devices after $after in key order (an index seek on the key), returned as one record
// of columns (lists). `after` is the page's last key, null when there was nothing left;
// the reader loops until then. Missing properties stay null in their place.
MATCH (d:Device) WHERE d.device_id > $after
WITH d ORDER BY d.device_id LIMIT $chunk
WITH collect(d) AS page
RETURN page[-1].device_id AS after,
       [d IN page | d.device_id] AS device_id,
       [d IN page | d.model] AS model,
       [d IN page | d.os] AS os
