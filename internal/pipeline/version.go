package pipeline

// ModuleVersion names this client in the User-Agent header.
const ModuleVersion = "0.1.0"

// UserAgent is sent with every request.
const UserAgent = "blaxel-go/" + ModuleVersion + " (github.com/blaxel-go/blaxel)"
