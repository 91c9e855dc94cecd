package blaxel

// APIVersion is the Blaxel API version whose shapes openapi.yaml describes. The client sends it
// in the Blaxel-Version header of every request unless WithAPIVersion says otherwise.
const APIVersion = "2026-04-28"

// moduleVersion names this client in the User-Agent header.
const moduleVersion = "0.1.0"

// userAgent is sent with every request.
const userAgent = "blaxel-go/" + moduleVersion + " (github.com/blaxel-go/blaxel)"
