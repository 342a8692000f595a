#!/bin/sh
# Creates deploy/secrets/ for docker-compose.yml: random passwords (0600 files) and, if no
# certificate is given, a self-signed one for HAProxy. Existing files are kept.
#   ./make-secrets.sh [cert.pem key.pem]
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
rand() { openssl rand -hex 32; }
[ -s secrets/postgres_password ] || rand > secrets/postgres_password
[ -s secrets/minio_root_user ] || printf 'admin-%s' "$(openssl rand -hex 4)" > secrets/minio_root_user
[ -s secrets/minio_root_password ] || rand > secrets/minio_root_password
[ -s secrets/s3_secret_key ] || rand > secrets/s3_secret_key
[ -s secrets/database.env ] || printf 'IDVERIFY_DATABASE__URL=postgres://idverify:%s@postgres:5432/idverify\n' \
  "$(cat secrets/postgres_password)" > secrets/database.env
if [ ! -s secrets/tls.pem ]; then
  if [ $# -eq 2 ]; then
    cat "$1" "$2" > secrets/tls.pem
  else
    openssl req -x509 -newkey rsa:3072 -nodes -days 365 -subj "/CN=idverify.example.internal" \
      -addext "subjectAltName=DNS:idverify.example.internal,DNS:localhost" \
      -keyout secrets/tls.key -out secrets/tls.crt 2>/dev/null
    cat secrets/tls.crt secrets/tls.key > secrets/tls.pem
    rm -f secrets/tls.key
    echo "make-secrets: a self-signed certificate for idverify.example.internal; pass yours as: $0 cert.pem key.pem"
  fi
fi
# The directory is 0700 (only this user on the host); the files are 0644 so that the
# containers' non-root users (idverify 10001, postgres 999) can read their bind-mounted copies.
chmod 0700 secrets
chmod 0644 secrets/*
echo "make-secrets: secrets/ is ready (keep it out of version control and backups of the host)"
