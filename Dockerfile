# syntax=docker/dockerfile:1

# sentralbord: the FastAGI routing service and the supervisor's CLI in one
# static binary, run as a non-root user on a distroless base.
#
#   docker build -t sentralbord .
#   docker run --rm -p 127.0.0.1:4573:4573 \
#     -e SENTRALBORD_AGI_LISTEN=0.0.0.0:4573 -e SENTRALBORD_REDIS_ADDR=redis:6379 sentralbord
#
# Mount your own configuration over /etc/sentralbord/sentralbord.yaml; the
# image ships examples/sentralbord.yaml there.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# timetzdata: calendars are read in Europe/Oslo whatever the image carries.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/sentralbord ./cmd/sentralbord

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sentralbord /usr/local/bin/sentralbord
COPY examples/sentralbord.yaml /etc/sentralbord/sentralbord.yaml
USER nonroot:nonroot
# FastAGI. The configuration listens on 127.0.0.1 by default: in a container
# set SENTRALBORD_AGI_LISTEN=0.0.0.0:4573 (docker-compose.yml does).
EXPOSE 4573
ENTRYPOINT ["sentralbord"]
CMD ["serve", "--config", "/etc/sentralbord/sentralbord.yaml"]
