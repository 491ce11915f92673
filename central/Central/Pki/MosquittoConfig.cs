using System.Globalization;
using System.Text;

namespace City.Central.Pki;

/// <summary>
/// mosquitto.conf and its ACL file for a mosquitto broker in front of central (<c>Central:Mqtt:Mode=external</c>):
/// TLS with client certificates from central's CA, the certificate's CN as the user name, central's topic rules.
/// </summary>
internal static class MosquittoConfig
{
    public const string ConfigFileName = "mosquitto.conf";
    public const string AclFileName = "acl";
    public const string ServerCertFileName = "server.crt";
    public const string ServerKeyFileName = "server.key";
    public const int DefaultPort = 8883;

    /// <summary>
    /// The configuration: one TLS listener on <paramref name="bindAddress"/>:<paramref name="port"/>; the CA and the CRL
    /// by their paths in the PKI (so a revoke reaches mosquitto at its next reload), the server certificate and key
    /// from the copies in <paramref name="outDir"/> (mosquitto reads them after dropping to its own user, which cannot
    /// read central's keys); the ACL in <paramref name="outDir"/>, and persistence in <paramref name="outDir"/>/data so
    /// central's session and what is queued for it survive a restart. <paramref name="user"/>: mosquitto's <c>user</c>
    /// option (the user it drops to when started as root), left to mosquitto's default when null.
    /// </summary>
    public static string Config(PkiStore pki, string outDir, string bindAddress, int port, string? user)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Written by `central mosquitto-config` for the PKI in {pki.Directory}.");
        text.AppendLine("# Identity = the client certificate's CN; topic rules in the ACL file. Reload (SIGHUP) after `central pki revoke`.");
        if (user is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"user {user}");
        }

        text.AppendLine("per_listener_settings false");
        text.AppendLine("allow_anonymous false");
        text.AppendLine(CultureInfo.InvariantCulture, $"acl_file {Path.Combine(outDir, AclFileName)}");
        text.AppendLine();
        text.AppendLine("# Central's ingest session is persistent: what is queued for it while it is away survives a broker restart.");
        text.AppendLine("persistence true");
        text.AppendLine(CultureInfo.InvariantCulture, $"persistence_location {Path.Combine(outDir, "data")}{Path.DirectorySeparatorChar}");
        text.AppendLine("autosave_interval 60");
        text.AppendLine("max_queued_messages 100000");
        text.AppendLine("max_inflight_messages 100");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"listener {port} {bindAddress}");
        text.AppendLine("protocol mqtt");
        text.AppendLine(CultureInfo.InvariantCulture, $"cafile {pki.CaFile}");
        text.AppendLine(CultureInfo.InvariantCulture, $"certfile {Path.Combine(outDir, ServerCertFileName)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"keyfile {Path.Combine(outDir, ServerKeyFileName)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"crlfile {pki.CrlFile}");
        text.AppendLine("tls_version tlsv1.2");
        text.AppendLine("require_certificate true");
        text.AppendLine("use_identity_as_username true");
        return text.ToString();
    }

    /// <summary>
    /// The ACL: central reads everything under city/v1 and alone writes ack and cmd; every other identity (%u, the
    /// certificate's CN = the gateway id) writes its own data, birth, death and cmd-result and reads its own ack and cmd.
    /// </summary>
    public static string Acl() => $"""
        # Written by `central mosquitto-config`. %u is the client certificate's CN (use_identity_as_username).

        # Central's own certificate (CN {PkiStore.CentralIdentity}): reads every gateway's messages, publishes acks and commands.
        user {PkiStore.CentralIdentity}
        topic read city/v1/#
        topic write city/v1/+/ack
        topic write city/v1/+/cmd

        # Every gateway, on its own topics only.
        pattern write city/v1/%u/data
        pattern write city/v1/%u/birth
        pattern write city/v1/%u/death
        pattern write city/v1/%u/cmd-result
        pattern read city/v1/%u/ack
        pattern read city/v1/%u/cmd

        """.ReplaceLineEndings("\n");
}
