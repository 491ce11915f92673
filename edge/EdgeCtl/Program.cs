using System.CommandLine;
using City.EdgeCtl;

return await EdgeCtlCli.CreateRoot(Console.Out, Console.Error).Parse(args).InvokeAsync();
