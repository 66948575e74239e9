package settings

import "github.com/oss-sirt/sirt/internal/events"

// Catalogue is the settings' typed event catalogue: a change names the key, never the
// value (it may be a secret).
var Catalogue = events.Catalogue{"settings.changed": nil}

func init() { events.Register("settings", []string{"settings."}, Catalogue) }
