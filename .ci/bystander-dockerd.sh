# shellcheck shell=bash
# A second Docker engine that runs beside the drill, the benchmark and the tests, as on a busy
# machine: its own socket (not the default one, so the tests' engine is a private one started
# beside it), the host's docker0 (or, when another engine already serves on docker0, a bridge
# of its own: two engines on one bridge hand out the same addresses, and a published port of
# one then reaches the other's container), iptables rules, and a container with a published port.
#
#   source .ci/bystander-dockerd.sh; bystander_start; ...; bystander_stop

bystander_start() {
  BYSTANDER_DIR="$(mktemp -d /tmp/rk-bystander.XXXXXX)"
  local had_docker0=0
  ip link show docker0 >/dev/null 2>&1 && had_docker0=1
  echo "$had_docker0" >"$BYSTANDER_DIR/had-docker0"
  local bridge=()
  if [ "$had_docker0" = 1 ]; then
    ip link add rk-bystander0 type bridge
    ip addr add 10.250.77.1/24 dev rk-bystander0
    ip link set rk-bystander0 up
    bridge=(--bridge=rk-bystander0)
  fi
  dockerd "${bridge[@]}" \
    --data-root="$BYSTANDER_DIR/data" --exec-root="$BYSTANDER_DIR/exec" \
    --pidfile="$BYSTANDER_DIR/dockerd.pid" --host="unix://$BYSTANDER_DIR/docker.sock" \
    --containerd-namespace=rk-bystander --containerd-plugins-namespace=rk-bystander-plugins \
    >"$BYSTANDER_DIR/dockerd.log" 2>&1 &
  BYSTANDER_PID=$!
  local docker=(docker -H "unix://$BYSTANDER_DIR/docker.sock")
  for _ in $(seq 1 300); do
    "${docker[@]}" info >/dev/null 2>&1 && break
    kill -0 "$BYSTANDER_PID" 2>/dev/null || { tail -20 "$BYSTANDER_DIR/dockerd.log" >&2; return 1; }
    sleep 0.1
  done
  "${docker[@]}" info >/dev/null 2>&1 || { echo "bystander dockerd did not answer" >&2; return 1; }
  local rootfs="$BYSTANDER_DIR/rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/www"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  echo bystander >"$rootfs/www/index.html"
  tar -C "$rootfs" -c . | "${docker[@]}" import - rk-bystander:1 >/dev/null
  "${docker[@]}" run -d --init --name rk-bystander -p 127.0.0.1::8080 rk-bystander:1 \
    /bin/busybox httpd -f -p 8080 -h /www >/dev/null
  echo "bystander dockerd (pid $BYSTANDER_PID) at unix://$BYSTANDER_DIR/docker.sock, serving on $("${docker[@]}" port rk-bystander 8080)"
}

bystander_stop() {
  [ -n "${BYSTANDER_PID:-}" ] || return 0
  local docker=(docker -H "unix://$BYSTANDER_DIR/docker.sock")
  # Still serving at the end: nothing the run did disturbed it.
  local answer
  answer="$(curl -fsS --max-time 5 "http://$("${docker[@]}" port rk-bystander 8080 2>/dev/null | head -n 1)/" 2>/dev/null || true)"
  "${docker[@]}" rm -f rk-bystander >/dev/null 2>&1 || true
  kill "$BYSTANDER_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$BYSTANDER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$BYSTANDER_PID" 2>/dev/null || true
  wait "$BYSTANDER_PID" 2>/dev/null || true
  grep -o " $BYSTANDER_DIR[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  if [ "$(cat "$BYSTANDER_DIR/had-docker0")" = 1 ]; then
    ip link delete rk-bystander0 2>/dev/null || true
  else
    ip link delete docker0 2>/dev/null || true
  fi
  rm -rf "$BYSTANDER_DIR"
  BYSTANDER_PID=
  if [ "$answer" != bystander ]; then
    echo "the bystander engine's container stopped answering during the run" >&2
    return 1
  fi
  echo "bystander dockerd: still serving at the end; stopped and removed"
}
