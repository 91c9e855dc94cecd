package blaxel

// APIVersion is the Blaxel API version whose shapes openapi.yaml describes. The client sends it
// in the Blaxel-Version header of every request unless WithAPIVersion says otherwise.
const APIVersion = "2026-04-28"
