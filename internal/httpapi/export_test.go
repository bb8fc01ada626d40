package httpapi

// RouteList returns the method and path of every API route the server registers, so tests
// outside the package can hold the OpenAPI document to the real route table.
func (s *Handler) RouteList() [][2]string {
	var out [][2]string
	for _, rt := range s.routes() {
		out = append(out, [2]string{rt.method, rt.path})
	}
	return out
}
