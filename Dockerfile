# Builds the wijkhelpt binary. The service is configured only by environment
# variables (see README); its only state on disk is the search index, which
# it rebuilds from MongoDB when missing.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wijkhelpt ./cmd/wijkhelpt

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/wijkhelpt wijkhelpt \
    && mkdir -p /var/lib/wijkhelpt && chown wijkhelpt /var/lib/wijkhelpt
COPY --from=build /out/wijkhelpt /usr/local/bin/wijkhelpt
USER wijkhelpt
ENV WIJKHELPT_DATA_DIR=/var/lib/wijkhelpt WIJKHELPT_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["wijkhelpt"]
CMD ["serve"]
