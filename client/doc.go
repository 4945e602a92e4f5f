// Package client is a small, typed Go client for Sleuth's HTTP API (the
// API that `sleuth serve` answers and that /openapi.json describes).
//
// A Client holds the server's base URL and an API key; every method takes
// a context and makes one request. Files are uploaded as multipart/form-data
// and streamed as they are read (a File's Reader is never buffered whole),
// so a large file costs no memory. The response types mirror the JSON the
// server sends, field for field, including the compatible endpoints' own
// names (Numbers Protocol's fileURL, searchNid, nftRecords; Verbitas'
// asset_id, binding_hash).
//
// A response with a status other than 2xx is returned as an *Error with
// the status, the error's stable code, its message, the request id and,
// for 429, how long to wait:
//
//	c := client.New("http://localhost:8080", os.Getenv("SLEUTH_KEY"))
//	f, err := os.Open("suspicious.jpg")
//	if err != nil {
//		return err
//	}
//	defer f.Close()
//	res, err := c.TheftDetection(ctx, client.TheftDetectionRequest{
//		File:              &client.File{Name: "suspicious.jpg", Reader: f},
//		ExcludedContracts: []string{"0x65f5e2f61d45a5f1d5313269c040fc0c910e7a44"},
//	})
//	if err != nil {
//		var apiErr *client.Error
//		if errors.As(err, &apiErr) && apiErr.Status == http.StatusTooManyRequests {
//			log.Printf("rate limited; retry in %s", apiErr.RetryAfter)
//		}
//		return err
//	}
//	for nid, records := range res.Results {
//		fmt.Println(nid, "is used by", len(records), "NFTs")
//	}
//
// The key is sent as "Authorization: token K" unless WithAuthHeader picks
// another of the forms the server accepts ("bearer", "api-key",
// "x-api-key").
package client
