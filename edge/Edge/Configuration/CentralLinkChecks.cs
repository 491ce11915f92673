using System.Security.Cryptography.X509Certificates;
using City.Contract.Mqtt;

namespace City.Edge.Configuration;

/// <summary>
/// How the edge reaches central's broker, checked at start: TLS with the cabinet's certificate, or plain only when
/// Edge:Central:AllowPlain says so. The TLS files are read here (present, readable, the key belongs to the certificate,
/// the certificate is this gateway's), so a cabinet with a wrong file stops with the key to fix instead of retrying forever.
/// </summary>
internal static class CentralLinkChecks
{
    private const string Tls = "Edge:Central:Tls";
    private const string AllowPlain = "Edge:Central:AllowPlain";

    public static void Check(CentralOptions central, string gatewayId, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(central);
        ArgumentNullException.ThrowIfNull(errors);
        var tls = central.Tls ?? new CentralTlsOptions();
        if (!tls.IsConfigured)
        {
            if (!central.AllowPlain)
            {
                errors.Add($"{Tls}: not configured, and the edge does not connect without TLS: set {Tls}:CaFile, {Tls}:CertFile and {Tls}:KeyFile "
                    + $"(the files 'central pki issue-gateway {(string.IsNullOrEmpty(gatewayId) ? "GW" : gatewayId)}' writes), or {AllowPlain}=true for a plain "
                    + "connection without any proof of identity (development and tests only)");
            }

            return;
        }

        var missing = new[] { ("CaFile", tls.CaFile), ("CertFile", tls.CertFile), ("KeyFile", tls.KeyFile) }.Where(f => string.IsNullOrWhiteSpace(f.Item2)).ToList();
        foreach (var (name, _) in missing)
        {
            errors.Add($"{Tls}:{name}: must be set with the other TLS files (CaFile: the CA's certificate, CertFile and KeyFile: this gateway's certificate and key)");
        }

        if (missing.Count > 0)
        {
            return;
        }

        var files = tls.ToBrokerTls()!;
        try
        {
            files.LoadTrustAnchors();
            using var certificate = files.LoadClientCertificate();
            var commonName = certificate!.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(gatewayId) && !string.Equals(commonName, gatewayId, StringComparison.Ordinal))
            {
                errors.Add($"{Tls}:CertFile: the certificate in {files.CertFile} is issued to '{commonName}' (its CN), not to this gateway "
                    + $"'{gatewayId}' (Edge:GatewayId): central's broker would refuse it");
            }
        }
        catch (BrokerTlsException ex)
        {
            var key = ex.Kind switch
            {
                BrokerTlsFile.Ca => "CaFile",
                BrokerTlsFile.Certificate => "CertFile",
                _ => "KeyFile",
            };
            errors.Add($"{Tls}:{key}: {ex.Reason}");
        }
    }
}
