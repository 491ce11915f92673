using City.TestSupport;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Edge.Tests;

/// <summary>The forwarder over TLS against an in-process broker whose certificate a CA made in the test signed.</summary>
public sealed class TlsForwardingTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestCertificates _ours = TestCertificates.CreateAuthority("city-ca");
    private readonly TestCertificates _theirs = TestCertificates.CreateAuthority("impostor-ca");

    public void Dispose()
    {
        _ours.Dispose();
        _theirs.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Forwards_over_TLS_presenting_its_certificate_with_the_gateway_id_as_client_id()
    {
        using var serverCertificate = _ours.IssueServer("localhost", "127.0.0.1");
        await using var central = await FakeCentral.StartAsync(serverCertificate);
        central.AutoAck = true;
        var (buffer, forwarder, state) = Create(central.Port);
        using var _ = buffer;
        buffer.Append([ForwarderRig.Readings(buffer), ForwarderRig.Readings(buffer)]);

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => buffer.GetStats().BatchesWaiting == 0, "both batches acknowledged over TLS");
        await forwarder.StopAsync(CancellationToken.None);

        Assert.Contains("CN=gw-001", central.ClientCertificates);
        Assert.All(central.ClientIds, id => Assert.Equal("gw-001", id));
        Assert.Equal(2, buffer.GetStats().BatchesAcked);
        Assert.Equal(0, state.Central.Snapshot().ForgedAckSeqs);
    }

    [Fact]
    public async Task A_broker_whose_certificate_another_CA_signed_gets_nothing_and_the_status_says_why()
    {
        using var serverCertificate = _theirs.IssueServer("localhost", "127.0.0.1");
        await using var central = await FakeCentral.StartAsync(serverCertificate);
        central.AutoAck = true;
        var (buffer, forwarder, state) = Create(central.Port);
        using var _ = buffer;
        buffer.Append([ForwarderRig.Readings(buffer)]);

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => state.Central.Snapshot().LastError?.StartsWith("TLS: ", StringComparison.Ordinal) == true, "the refusal in the status");
        await forwarder.StopAsync(CancellationToken.None);

        Assert.Contains($"issued by CN=impostor-ca) is not trusted by {_ours.CaFile}", state.Central.Snapshot().LastError, StringComparison.Ordinal);
        Assert.Empty(central.ClientIds);
        Assert.Empty(central.Published);
        Assert.Equal(1, buffer.GetStats().BatchesWaiting);
    }

    [Fact]
    public async Task A_TLS_file_gone_after_start_is_named_in_the_status_and_retried()
    {
        using var serverCertificate = _ours.IssueServer("127.0.0.1");
        await using var central = await FakeCentral.StartAsync(serverCertificate);
        var (buffer, forwarder, state) = Create(central.Port);
        using var _ = buffer;
        File.Delete(_ours.CaFile);

        await forwarder.StartAsync(CancellationToken.None);
        await Eventually(() => forwarder.Sessions >= 2, "a second attempt");
        await forwarder.StopAsync(CancellationToken.None);

        Assert.Equal($"Broker TLS: the CA file {_ours.CaFile} does not exist", state.Central.Snapshot().LastError);
        Assert.Empty(central.ClientIds);
    }

    private (BatchBuffer Buffer, Forwarder Forwarder, EdgeState State) Create(int port)
    {
        var (certFile, keyFile) = _ours.IssueClientFiles("gw-001");
        var time = TimeProvider.System;
        var options = new EdgeOptions
        {
            GatewayId = "gw-001",
            Central = new CentralOptions
            {
                Host = "127.0.0.1",
                Port = port,
                Tls = new CentralTlsOptions { CaFile = _ours.CaFile, CertFile = certFile, KeyFile = keyFile },
                ReconnectMinDelayMs = 20,
                ReconnectMaxDelayMs = 200,
            },
        };
        return ForwarderRig.Open(_dir.File("buffer.db"), options, time);
    }

    private static Task Eventually(Func<bool> condition, string what) => Until.TrueAsync(condition, what);
}
