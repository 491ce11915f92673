using City.Contract.Mqtt;

namespace City.Sim.Load;

/// <summary>
/// The layout of <c>citysim load --tls-dir DIR</c>: <c>ca.crt</c> (the CA the broker's certificate must chain to) and
/// <c>{gateway}.crt</c>/<c>{gateway}.key</c> (PEM) for every simulated gateway, the certificate's CN being the gateway id.
/// </summary>
internal static class LoadTlsFiles
{
    public const string CaFileName = "ca.crt";

    /// <summary>What <c>central pki issue-gateway --out</c> writes beside the certificates: central's command-signing public key.</summary>
    public const string SigningKeyFileName = "command-signing.pub";

    /// <summary><see cref="SigningKeyFileName"/> in <paramref name="directory"/> when it is there, else null.</summary>
    public static string? DefaultSigningKey(string? directory) =>
        directory is not null && File.Exists(Path.Combine(directory, SigningKeyFileName)) ? Path.Combine(directory, SigningKeyFileName) : null;

    public static BrokerTls For(string directory, string gatewayId) =>
        new(Path.Combine(directory, CaFileName), Path.Combine(directory, gatewayId + ".crt"), Path.Combine(directory, gatewayId + ".key"));

    /// <summary>The first file of the layout that does not exist (the CA, then each gateway's certificate and key), or null.</summary>
    public static string? FirstMissing(string directory, IEnumerable<string> gatewayIds)
    {
        ArgumentNullException.ThrowIfNull(gatewayIds);
        var ca = Path.Combine(directory, CaFileName);
        if (!File.Exists(ca))
        {
            return ca;
        }

        foreach (var id in gatewayIds)
        {
            var tls = For(directory, id);
            if (!File.Exists(tls.CertFile))
            {
                return tls.CertFile;
            }

            if (!File.Exists(tls.KeyFile))
            {
                return tls.KeyFile;
            }
        }

        return null;
    }
}
