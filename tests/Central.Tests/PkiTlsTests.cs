using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using City.Central.Pki;

namespace City.Central.Tests;

/// <summary>The PKI's certificates in a real TLS handshake over loopback, as the broker and the MQTT clients use them.</summary>
public sealed class PkiTlsTests : IDisposable
{
    private readonly string _dataPath = Directory.CreateTempSubdirectory("central-pki-tls-").FullName;

    private string OutDir => Path.Combine(_dataPath, "out");

    [Fact]
    public async Task A_gateway_verifies_the_server_by_our_ca_and_name_and_the_server_verifies_the_gateway()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], TimeProvider.System);
        pki.IssueGateway("gw-001", TimeSpan.FromDays(1), OutDir);
        using var gateway = X509Certificate2.CreateFromPemFile(Path.Combine(OutDir, "gw-001.crt"), Path.Combine(OutDir, "gw-001.key"));
        using var serverCertificate = pki.LoadServerCertificate();

        var (clientSaw, serverSaw) = await HandshakeAsync(pki, serverCertificate, gateway, "localhost");

        Assert.Equal(SslPolicyErrors.None, clientSaw);
        Assert.True(serverSaw.Ok);
        Assert.Equal("gw-001", serverSaw.CommonName);
    }

    [Fact]
    public async Task Central_s_client_certificate_is_accepted_as_central()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], TimeProvider.System);
        using var central = pki.LoadCentralClientCertificate();
        using var serverCertificate = pki.LoadServerCertificate();

        var (_, serverSaw) = await HandshakeAsync(pki, serverCertificate, central, "127.0.0.1");

        Assert.Equal("central", serverSaw.CommonName);
    }

    [Fact]
    public async Task A_host_name_the_server_certificate_does_not_hold_is_a_name_mismatch()
    {
        var pki = PkiStore.OpenOrCreate(_dataPath, [], TimeProvider.System);
        using var serverCertificate = pki.LoadServerCertificate();
        using var central = pki.LoadCentralClientCertificate();

        var (clientSaw, _) = await HandshakeAsync(pki, serverCertificate, central, "central.example.net", acceptNameMismatch: true);

        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, clientSaw);
    }

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    /// <summary>
    /// One handshake: the client trusts only our CA and checks <paramref name="host"/>; the server asks for a client
    /// certificate and judges it with <see cref="PkiStore.Verify"/>. Returns what each side saw.
    /// </summary>
    private static async Task<(SslPolicyErrors ClientSaw, ClientCertificateVerdict ServerSaw)> HandshakeAsync(
        PkiStore pki, X509Certificate2 serverCertificate, X509Certificate2 clientCertificate, string host, bool acceptNameMismatch = false)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clientSaw = SslPolicyErrors.None;
        ClientCertificateVerdict? serverSaw = null;

        async Task ServeAsync()
        {
            using var accepted = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var server = new SslStream(accepted.GetStream());
            await server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    serverSaw = pki.Verify(certificate as X509Certificate2);
                    return serverSaw.Ok;
                },
            }, timeout.Token);
            await server.WriteAsync(new byte[] { 1 }, timeout.Token);
        }

        var serving = ServeAsync();
        using var connection = new TcpClient();
        await connection.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, timeout.Token);
        await using var client = new SslStream(connection.GetStream());
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.Add(pki.CaCertificate);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificates = [clientCertificate],
            CertificateChainPolicy = trust,
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                clientSaw = errors;
                return errors == SslPolicyErrors.None || (acceptNameMismatch && errors == SslPolicyErrors.RemoteCertificateNameMismatch);
            },
        }, timeout.Token);
        var buffer = new byte[1];
        Assert.Equal(1, await client.ReadAsync(buffer, timeout.Token));
        await serving;
        return (clientSaw, serverSaw!);
    }
}
