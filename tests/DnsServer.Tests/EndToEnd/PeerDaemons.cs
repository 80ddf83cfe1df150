using System.Diagnostics;
using System.Net;

namespace MiniDns.Tests.EndToEnd;

/// <summary>
/// NSD and Knot started in a folder of their own on loopback, with the key xfr.cctv.com and the zone
/// cctv.com., as the secondary or the primary of a MiniDns server: the configuration a README reader copies,
/// plus what running unprivileged in a temporary folder takes.
/// </summary>
internal static class PeerDaemons
{
    public const string Key = "xfr.cctv.com";

    /// <summary>NSD; <paramref name="zone"/> is the zone's own lines (request-xfr, provide-xfr, notify…), indented by 4.</summary>
    public static Process Nsd(string nsd, string dir, IPEndPoint at, string secret, string zone)
    {
        File.WriteAllText(Path.Combine(dir, "nsd.conf"), $"""
            server:
                ip-address: {at.Address}@{at.Port}
                username: ""
                chroot: ""
                zonesdir: "{dir}"
                zonelistfile: "{dir}/zone.list"
                database: ""
                xfrdfile: "{dir}/xfrd.state"
                xfrdir: "{dir}"
                pidfile: "{dir}/nsd.pid"
                logfile: "{dir}/nsd.log"
                server-count: 1
            remote-control:
                control-enable: no
            key:
                name: "{Key}"
                algorithm: hmac-sha256
                secret: "{secret}"
            zone:
                name: "cctv.com"
                zonefile: "cctv.com.zone"

            """ + zone);
        return Start(nsd, ["-d", "-c", Path.Combine(dir, "nsd.conf")]);
    }

    /// <summary>
    /// Knot, with the MiniDns server as the remote <paramref name="peer"/> signing with the key, and its control
    /// socket at dir/knot.sock for knotc; <paramref name="aclAndZone"/> is the acl: and zone: sections.
    /// </summary>
    public static Process Knot(string knotd, string dir, IPEndPoint at, string secret, string peer, IPEndPoint peerAt, string aclAndZone)
    {
        File.WriteAllText(Path.Combine(dir, "knot.conf"), $"""
            server:
                listen: {at.Address}@{at.Port}
                rundir: {dir}
            control:
                listen: {dir}/knot.sock
            log:
              - target: {dir}/knot.log
                any: info
            database:
                storage: {dir}
            key:
              - id: {Key}
                algorithm: hmac-sha256
                secret: {secret}
            remote:
              - id: {peer}
                address: {peerAt.Address}@{peerAt.Port}
                key: {Key}
            template:
              - id: default
                storage: {dir}

            """ + aclAndZone);
        return Start(knotd, ["-c", Path.Combine(dir, "knot.conf")]);
    }

    public static Process Start(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
