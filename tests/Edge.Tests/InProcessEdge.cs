using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace City.Edge.Tests;

/// <summary>
/// The whole edge (pollers, buffer writer, forwarder, local API on a Unix socket) built by <see cref="Program.Build"/> and run
/// in-process, with an HTTP client on its socket. The broker port is closed: the forwarder keeps retrying, which is harmless here.
/// </summary>
internal sealed class InProcessEdge : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly BatchBuffer _buffer;
    private readonly WebApplication _app;

    private InProcessEdge(TempDir dir, BatchBuffer buffer, WebApplication app, string socketPath)
    {
        _dir = dir;
        _buffer = buffer;
        _app = app;
        SocketPath = socketPath;
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = new Uri("http://edge"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string SocketPath { get; }

    public BatchBuffer Buffer => _buffer;

    public HttpClient Http { get; }

    /// <summary>The edge's services (a test hands a command straight to its command service).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts an edge with <paramref name="values"/> (Edge:Buffer:Path, unless <paramref name="bufferPath"/> names one to keep
    /// across restarts, and Edge:LocalApi:SocketPath are set here); its log goes
    /// to <paramref name="logs"/> when given (every level), nowhere otherwise.
    /// </summary>
    public static async Task<InProcessEdge> StartAsync(Dictionary<string, string?> values, IReadOnlyList<IProtocolDriver>? drivers = null, ILoggerProvider? logs = null,
        string? bufferPath = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var dir = new TempDir();
        values["Edge:Buffer:Path"] = bufferPath ?? dir.File("buffer.db");
        values["Edge:LocalApi:SocketPath"] = dir.File("api.sock");
        var (ok, settings, errors) = TestConfig.Load(values, drivers);
        Assert.True(ok, string.Join("\n", errors));
        var buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = dir.Path });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }

        services?.Invoke(builder.Services);
        var app = Program.Build(builder, Program.WithAliases(settings, buffer), buffer, TimeProvider.System, out var socketPath, drivers);
        await app.StartAsync();
        return new InProcessEdge(dir, buffer, app, socketPath);
    }

    public async Task<(int Status, JsonDocument Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    public async Task<(int Status, JsonDocument Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _buffer.Dispose();
        _dir.Dispose();
    }
}
