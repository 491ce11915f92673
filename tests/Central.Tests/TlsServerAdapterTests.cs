using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using City.Central.Mqtt;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;

namespace City.Central.Tests;

/// <summary>The broker's own TLS listener: a client that connects and never starts TLS is let go after the handshake timeout.</summary>
public sealed class TlsServerAdapterTests
{
    [Fact]
    public async Task SilentClient_IsDisconnected_WhenTheHandshakeTimeoutPassesOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var failures = new ConcurrentQueue<Exception>();
        using var certificate = TestTls.SelfSigned("localhost");
        using var adapter = new TlsServerAdapter(new IPEndPoint(IPAddress.Loopback, 0), certificate, time, failures.Enqueue);
        await adapter.StartAsync(new MqttServerOptionsBuilder().Build(), MqttNetNullLogger.Instance);

        using var silent = new TcpClient();
        await silent.ConnectAsync(adapter.LocalEndPoint!);
        var read = silent.GetStream().ReadAsync(new byte[16]).AsTask();

        // The handshake's timer starts once the connection is accepted: advance the clock until it has fired.
        for (var i = 0; i < 400 && !read.IsCompleted; i++)
        {
            time.Advance(TlsServerAdapter.HandshakeTimeout);
            await Task.WhenAny(read, Task.Delay(25));
        }

        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(10)));
        var failure = Assert.Single(failures);
        Assert.IsType<TimeoutException>(failure);
        await adapter.StopAsync();
    }
}
