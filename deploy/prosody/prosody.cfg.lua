-- Prosody 0.12 for docker-compose.yml: one virtual host (localhost) and Switchboard's components.
-- A trial setup: clients may log in without TLS. For a real server, use your domain, real
-- certificates, and remove the two lines marked "plaintext" below.

admins = { }
-- The image runs `prosody -F` (foreground): log to the console so `docker compose logs` has it.
log = { info = "*console" }
data_path = "/var/lib/prosody"

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "carbons";
}
-- No federation in a trial setup.
modules_disabled = { "s2s" }

-- plaintext: the image has no certificate for "localhost" (both lines).
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"

-- Components connect from the switchboard container, so listen beyond loopback. The port is
-- not published on the host in docker-compose.yml: only containers on its network reach it.
component_ports = { 5347 }
component_interfaces = { "0.0.0.0" }

VirtualHost "localhost"

-- One Component per Switchboard bridge, with the same domain and secret as in
-- deploy/switchboard/config.yaml. ENV_<NAME> reads the environment variable <NAME> (Prosody 0.12).
Component "echo.localhost"
  component_secret = ENV_ECHO_COMPONENT_SECRET

Component "irc.localhost"
  component_secret = ENV_IRC_COMPONENT_SECRET
Component "mail.localhost"
  component_secret = ENV_EMAIL_COMPONENT_SECRET

-- For the sms bridge, once enabled in deploy/switchboard/config.yaml (see docker-compose.yml):
-- Component "sms.localhost"
--   component_secret = ENV_SMS_COMPONENT_SECRET
