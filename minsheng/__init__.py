"""minsheng (民生): a city's public problem list turned into its duty list."""
