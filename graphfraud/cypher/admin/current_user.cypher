// Who the connection is logged in as (the local server's login check).
SHOW CURRENT USER
