using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using City.Contract;

namespace City.Central.Tests;

/// <summary>Mode external against Debian's mosquitto, started here on a free loopback port.</summary>
public sealed class MosquittoTests
{
    [Fact]
    public async Task ExternalMosquitto_BirthDataAck_Flows()
    {
        await using var broker = await MosquittoProcess.StartAsync(FreePort.Tcp());
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:Mode=external", $"--Central:Mqtt:Port={broker.Port}", "--Central:AdmitOnBirth=true");
        Assert.Equal(broker.Port, central.MqttPort);
        await using var gateway = await FakeGateway.ConnectAsync(broker.Port, "cab-mosq");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(10));
        Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        var payload = await gateway.DataAsync(2, FakeGateway.SampleReadings(10));
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);
        await gateway.PublishAsync(Topics.Data(gateway.Id), payload);
        Assert.Equal([2UL], (await gateway.NextAckAsync()).CommittedSeqs);

        var history = await central.GetJsonAsync("/api/v1/points/history?gateway=cab-mosq&point=meter1/power");
        Assert.Equal(20, history.GetProperty("readings").GetArrayLength());
        Assert.Equal("ok", (await central.GetJsonAsync("/healthz")).GetProperty("status").GetString());
        Assert.Equal(1, (await central.StatsAsync()).GetProperty("duplicateBatches").GetInt64());
    }

    [Fact]
    public async Task ExternalBrokerRestart_HealthGoesDown_ThenIngestionResumes()
    {
        var port = FreePort.Tcp();
        var broker = await MosquittoProcess.StartAsync(port);
        await using var central = await CentralHost.StartAsync(null, "--Central:Mqtt:Mode=external", $"--Central:Mqtt:Port={port}", "--Central:AllowedGateways:0=cab-again");
        await broker.DisposeAsync();
        await Wait.UntilAsync(async () => (await central.GetAsync("/healthz")).Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), "healthz to report the lost broker");

        await using (broker = await MosquittoProcess.StartAsync(port))
        {
            await Wait.UntilAsync(async () => (await central.GetAsync("/healthz")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "central to reconnect");
            await using var gateway = await FakeGateway.ConnectAsync(port, "cab-again");
            await gateway.DataAsync(1, FakeGateway.SampleReadings(3));
            Assert.Equal([1UL], (await gateway.NextAckAsync()).CommittedSeqs);
        }
    }
}

/// <summary>/usr/sbin/mosquitto with a throwaway configuration: one loopback listener, anonymous access.</summary>
internal sealed class MosquittoProcess : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/mosquitto";
    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private MosquittoProcess(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static async Task<MosquittoProcess> StartAsync(int port)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: install it with 'apt-get update && apt-get install -y mosquitto mosquitto-clients'.");
        var directory = Directory.CreateTempSubdirectory("central-mosquitto-");
        var config = Path.Combine(directory.FullName, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        var process = Process.Start(new ProcessStartInfo(Executable, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        var broker = new MosquittoProcess(process, directory, port);
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(process.HasExited || CanConnect(port)), TimeSpan.FromSeconds(10), $"mosquitto to listen on 127.0.0.1:{port}");
            if (process.HasExited)
            {
                Assert.Fail($"mosquitto exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
