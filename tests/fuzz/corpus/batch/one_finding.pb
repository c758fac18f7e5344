

agent-seedgw-seed(2ç
bulk-download:alice:0bulk-downloadBulk download of objects J$arn:aws:iam::111122223333:user/aliceZ203.0.113.7bÄaws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64j	us-east-1rfinance-reports-archive-bucket