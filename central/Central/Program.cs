using City.Central.Configuration;
using City.Central.Pki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace City.Central;

internal static class ProgramEntry
{
    /// <summary>Exit codes: 0 clean stop, 1 failure at run time, 2 invalid configuration, 3 damaged store (see StoreCommand).</summary>
    public static Task<int> Main(string[] args) => RunAsync(args);

    public static async Task<int> RunAsync(string[] args)
    {
        if (StoreCommand.Matches(args))
        {
            return await StoreCommand.RunAsync(args).ConfigureAwait(false);
        }

        if (PkiCommand.Matches(args))
        {
            return PkiCommand.Run(args, AppContext.BaseDirectory, Console.Out, Console.Error, TimeProvider.System);
        }

        if (MosquittoConfigCommand.Matches(args))
        {
            return MosquittoConfigCommand.Run(args, AppContext.BaseDirectory, Console.Out, Console.Error, TimeProvider.System);
        }

        if (TokenCommand.Matches(args))
        {
            return await TokenCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
        }

        if (GatewayCommand.Matches(args))
        {
            return await GatewayCommand.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable(GatewayCommand.TokenVariable)).ConfigureAwait(false);
        }

        if (CommandLine.Check(args, AppContext.BaseDirectory, Console.Out, Console.Error) is { } exitCode)
        {
            return exitCode;
        }

        Microsoft.AspNetCore.Builder.WebApplication? app;
        IReadOnlyList<string> errors;
        try
        {
            app = CentralApp.Build(args, out errors);
        }
        catch (StoreDamagedException exception)
        {
            await Console.Error.WriteLineAsync($"central: cannot start: the store {exception.Message}").ConfigureAwait(false);
            return StoreCommand.DamagedExitCode;
        }
        catch (City.Central.Store.Postgres.StoreUnavailableException exception)
        {
            await Console.Error.WriteLineAsync($"central: cannot start: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (City.Central.Pki.PkiException exception)
        {
            await Console.Error.WriteLineAsync($"central: cannot start: pki: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
        // e.g. the store cannot be opened: reported, exit code 1.
        catch (Exception exception)
        {
            await Console.Error.WriteLineAsync($"central: cannot start: {exception}").ConfigureAwait(false);
            return 1;
        }

        if (app is null)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"central: invalid configuration: {error}").ConfigureAwait(false);
            }

            return 2;
        }

        try
        {
            var taken = ListenCheck.FindProblems(app.Services.GetRequiredService<IOptions<CentralOptions>>().Value);
            foreach (var problem in taken)
            {
                await Console.Error.WriteLineAsync($"central: cannot start: {problem}").ConfigureAwait(false);
            }

            if (taken.Count > 0)
            {
                return 1;
            }

            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        // The process reports any fatal error through its exit code.
        catch (Exception exception)
        {
            await Console.Error.WriteLineAsync($"central: fatal: {exception}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
